//! Cases against real exports. Fixture counts come from `shared/fixtures/wordpress/SOURCE.md`.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use dateline_core::*;
use dateline_testkit::{Db, TestStore, fresh};
use dateline_wxr::{ImportOptions, ImportReport, import_files};
use tower::ServiceExt;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/wordpress").join(name)
}

/// A fresh store for a case on the shared real exports, or `None` (the case skips, saying so)
/// in a checkout without them.
async fn fresh_for_exports(db: Db) -> Option<TestStore> {
    dateline_testkit::fixtures("dateline-wxr's cases on real exports")?;
    fresh(db).await
}

async fn import(test: &TestStore, name: &str, options: ImportOptions) -> Result<ImportReport, dateline_wxr::import::ImportError> {
    import_files(Some(test.store.as_ref() as &dyn Store), &[fixture(name)], &options, &|_| {}).await
}

async fn state(test: &TestStore) -> dateline_web::AppState {
    let mut config = Config::for_test();
    config.site.posts_per_page = 100;
    let options = dateline_web::WebOptions { config, fallback_base_url: "http://dateline.test".into(), theme_dir: None, mailer: None };
    dateline_web::AppState::new(test.dyn_store(), options).await.expect("state")
}

async fn app(test: &TestStore) -> axum::Router {
    dateline_web::app(state(test).await)
}

async fn get(app: &axum::Router, uri: &str, cookie: Option<&str>) -> (StatusCode, String, String) {
    let mut request = Request::get(uri);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = app.clone().oneshot(request.body(Body::empty()).expect("request")).await.expect("response");
    let status = response.status();
    let location = response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let body = axum::body::to_bytes(response.into_body(), 8 << 20).await.expect("body");
    (status, location, String::from_utf8_lossy(&body).into_owned())
}

fn count_status(posts: &[Post], status: PostStatus) -> usize {
    posts.iter().filter(|p| p.status == status).count()
}

async fn all_comments(store: &dyn Store) -> Vec<Comment> {
    store
        .list_comments(&CommentQuery { status: None, post: None, page: 1, per_page: 100_000, ..CommentQuery::default() })
        .await
        .expect("comments")
        .items
}

fn depth(comments: &[Comment], comment: &Comment) -> usize {
    let mut depth = 1;
    let mut parent = comment.parent_id;
    while let Some(id) = parent {
        depth += 1;
        parent = comments.iter().find(|c| c.id == id).and_then(|c| c.parent_id);
    }
    depth
}

pub async fn theme_unit_test_data_imports_with_everything(db: Db) {
    let Some(test) = fresh_for_exports(db).await else { return };
    let report = import(&test, "themeunittestdata.wordpress.xml", ImportOptions::default()).await.expect("imports");
    let store = test.dyn_store();
    // 186 items: 58 posts, 21 pages, 37 attachments, 70 menu items (not content).
    let posts = store.all_posts(PostKind::Post).await.expect("posts");
    assert_eq!(posts.len(), 58);
    assert_eq!(
        (count_status(&posts, PostStatus::Published), count_status(&posts, PostStatus::Draft), count_status(&posts, PostStatus::Scheduled)),
        (56, 1, 1)
    );
    assert_eq!(store.all_posts(PostKind::Page).await.expect("pages").len(), 21);
    assert_eq!(store.media().await.expect("media").len(), 37);
    assert_eq!(report.skipped.get("post type “nav_menu_item” is not content Dateline shows"), Some(&70));
    // 33 comments: 2 pingbacks, 2 trackbacks, 3 held; threads ten deep.
    let comments = all_comments(store.as_ref()).await;
    assert_eq!(comments.len(), 33);
    assert_eq!(comments.iter().filter(|c| c.kind == CommentKind::Pingback).count(), 2);
    assert_eq!(comments.iter().filter(|c| c.kind == CommentKind::Trackback).count(), 2);
    assert_eq!(comments.iter().filter(|c| c.status == CommentStatus::Pending).count(), 3);
    assert_eq!(comments.iter().map(|c| depth(&comments, c)).max(), Some(10));
    // The category hierarchy: grandchild → child → parent.
    let categories = store.terms(Taxonomy::Category).await.expect("categories");
    let by_slug = |slug: &str| categories.iter().find(|t| t.slug == slug).unwrap_or_else(|| panic!("category {slug}"));
    assert_eq!(by_slug("child-1").parent_id, Some(by_slug("parent").id));
    assert_eq!(by_slug("child-2").parent_id, Some(by_slug("child-1").id));
    // Authors, sticky posts, post meta, ids kept for /?p=ID.
    assert!(store.user_by_slug("themedemos").await.expect("user").is_some());
    assert!(posts.iter().any(|p| p.sticky));
    let protected = posts.iter().find(|p| p.slug == "template-password-protected").expect("protected post");
    assert_eq!(protected.password.as_deref(), Some("enter"));
    let mut meta_count = 0;
    for post in posts.iter().chain(&store.all_posts(PostKind::Page).await.expect("pages")) {
        meta_count += store.meta("post", post.id).await.expect("meta").len();
    }
    for file in store.media().await.expect("media") {
        meta_count += store.meta("media", file.id).await.expect("meta").len();
    }
    // 737 in the file: 55 on posts, 6 on pages, 56 on attachments, 620 on menu items (skipped).
    assert_eq!(meta_count, 55 + 6 + 56, "post, page and attachment meta kept");
    // [gallery] without ids shows the images attached to the post (listed after it in the file).
    let gallery = posts.iter().find(|p| p.slug == "post-format-gallery").expect("gallery post");
    let gallery = store.post_by_id(gallery.id).await.expect("read").expect("gallery post");
    assert_eq!(gallery.body_html.matches("<ul class=\"gallery\">").count(), 10, "ten galleries");
    assert_eq!(gallery.body_html.matches("<img ").count(), 10 * 23, "each with the 23 attached images");
    assert!(!report.warnings.iter().any(|w| w.contains("[gallery]")), "{:?}", report.warnings);
    // Comments keep the HTML WordPress allows in them, shown as markup, not as typed tags.
    let (status, _, page) = get(&app(&test).await, "/2012/01/03/template-comments/", None).await;
    assert_eq!(status, StatusCode::OK);
    let comments = page.split("class=\"comment-list\"").nth(1).expect("the comment list");
    assert!(comments.contains("<strong>") && comments.contains("<blockquote>"), "WordPress comment HTML kept");
    assert!(!comments.contains("&lt;strong&gt;") && !comments.contains("&lt;a href"), "no escaped tags shown");
}

pub async fn old_urls_answer_200_or_301(db: Db) {
    let Some(test) = fresh_for_exports(db).await else { return };
    import(&test, "themeunittestdata.wordpress.xml", ImportOptions::default()).await.expect("imports");
    let app = app(&test).await;
    let mut checked = 0;
    let mut items = Vec::new();
    dateline_wxr::read_file(&fixture("themeunittestdata.wordpress.xml"), &mut |record| {
        if let dateline_wxr::reader::Record::Item(item) = record {
            items.push(*item);
        }
        true
    })
    .expect("reads");
    for item in items.iter().filter(|i| i.status == "publish" || i.post_type == "attachment") {
        if !matches!(item.post_type.as_str(), "post" | "page" | "attachment") {
            continue;
        }
        let path = item.link.split_once("wordpress.com").map(|(_, p)| p.to_string()).unwrap_or_default();
        let path = if path.is_empty() { "/".to_string() } else { path };
        let (status, location, _) = get(&app, &path, None).await;
        match status {
            StatusCode::OK => {}
            StatusCode::MOVED_PERMANENTLY => {
                if location.starts_with('/') {
                    let (next, _, _) = get(&app, &location, None).await;
                    assert_eq!(next, StatusCode::OK, "{path} -> {location}");
                } else {
                    assert!(location.starts_with("http"), "{path} -> {location}");
                }
            }
            other => panic!("{} ({}): {path} answered {other}", item.title, item.post_type),
        }
        let (by_id, location, _) = get(&app, &format!("/?p={}", item.post_id), None).await;
        if item.post_type == "post" {
            assert_eq!(by_id, StatusCode::MOVED_PERMANENTLY, "/?p={}", item.post_id);
            assert_eq!(get(&app, &location, None).await.0, StatusCode::OK);
        }
        checked += 1;
    }
    assert!(checked > 100, "{checked}");
    for path in ["/category/parent/child-1/child-2/", "/tag/8bit/", "/author/themedemos/", "/feed/", "/?attachment_id=1628"] {
        let (status, location, _) = get(&app, path, None).await;
        assert!(status == StatusCode::OK || (status == StatusCode::MOVED_PERMANENTLY && !location.is_empty()), "{path}: {status}");
    }
}

pub async fn every_fixture_imports(db: Db) {
    // (file, posts, pages, comments, attachments)
    let expected: &[(&str, usize, usize, usize, usize)] = &[
        ("64-block-test-data.xml", 61, 1, 2, 9),
        ("jekyll-import-wordpressdotcom-2025-01-19.xml", 7, 1, 0, 6),
        ("hexo-migrator-opensourcecms-wp5.2.4.xml", 17, 2, 1, 0),
        ("isso-tests-wordpress.xml", 3, 0, 8, 0),
        ("wordpress-importer/valid-wxr-1.0.xml", 3, 3, 1, 0),
        ("wordpress-importer/valid-wxr-1.1.xml", 1, 1, 1, 0),
        ("wordpress-importer/small-export.xml", 6, 5, 1, 0),
        ("wordpress-importer/slashes.xml", 1, 0, 1, 0),
        ("wordpress-importer/test-serialized-comment-meta.xml", 1, 0, 1, 0),
        ("wordpress-importer/wxr-utf-8-challenges.xml", 1, 0, 0, 0),
        ("wordpress-importer/term-meta.xml", 0, 0, 0, 0),
        ("wordpress-importer/crazy-cdata-escaped.xml", 1, 0, 0, 0),
    ];
    for (name, posts, pages, comments, media) in expected {
        let Some(test) = fresh_for_exports(db).await else { return };
        let report = import(&test, name, ImportOptions::default()).await.unwrap_or_else(|e| panic!("{name}: {e}"));
        let store = test.dyn_store();
        let got = (
            store.all_posts(PostKind::Post).await.expect("posts").len(),
            store.all_posts(PostKind::Page).await.expect("pages").len(),
            all_comments(store.as_ref()).await.len(),
            store.media().await.expect("media").len(),
        );
        assert_eq!(got, (*posts, *pages, *comments, *media), "{name}: {report}");
    }
    // Specific facts: backslashes survive, serialized comment meta and term meta are kept.
    let Some(test) = fresh_for_exports(db).await else { return };
    import(&test, "wordpress-importer/slashes.xml", ImportOptions::default()).await.expect("slashes");
    let post = &test.store.all_posts(PostKind::Post).await.expect("posts")[0];
    assert!(post.body_source.contains('\\'), "{}", post.body_source);
    let Some(test) = fresh_for_exports(db).await else { return };
    import(&test, "wordpress-importer/test-serialized-comment-meta.xml", ImportOptions::default()).await.expect("meta");
    let comment = &all_comments(test.store.as_ref()).await[0];
    let meta = test.store.meta("comment", comment.id).await.expect("meta");
    assert!(meta.iter().any(|(_, v)| v.starts_with("a:")), "{meta:?}");
    let Some(test) = fresh_for_exports(db).await else { return };
    import(&test, "wordpress-importer/term-meta.xml", ImportOptions::default()).await.expect("term meta");
    let term = &test.store.terms(Taxonomy::Category).await.expect("terms")[0];
    assert!(!test.store.meta("term", term.id).await.expect("meta").is_empty());
    // Hexo's spam posts in WordPress's trash stay in the trash, never public.
    let Some(test) = fresh_for_exports(db).await else { return };
    import(&test, "hexo-migrator-opensourcecms-wp5.2.4.xml", ImportOptions::default()).await.expect("hexo");
    assert_eq!(count_status(&test.store.all_posts(PostKind::Post).await.expect("posts"), PostStatus::Trash), 13);
}

pub async fn nested_cdata_is_repaired_with_a_warning(db: Db) {
    let Some(test) = fresh_for_exports(db).await else { return };
    let report = import(&test, "wordpress-importer/crazy-cdata.xml", ImportOptions::default()).await.expect("repaired import");
    assert!(report.warnings.iter().any(|w| w.contains("nested CDATA")), "{report}");
    let post = &test.store.all_posts(PostKind::Post).await.expect("posts")[0];
    assert_eq!(post.body_source, "Content with nested <![CDATA[ tags ]]> :)");
    let meta = test.store.meta("post", post.id).await.expect("meta");
    assert!(
        meta.contains(&("Alot of CDATA".into(), "This has <![CDATA[ opening and ]]> closing <![CDATA[ tags like this: ]]>".into())),
        "{meta:?}"
    );
    let Some(escaped) = fresh_for_exports(db).await else { return };
    let report = import(&escaped, "wordpress-importer/crazy-cdata-escaped.xml", ImportOptions::default()).await.expect("import");
    assert!(report.warnings.is_empty(), "{report}");
    assert_eq!(escaped.store.all_posts(PostKind::Post).await.expect("posts")[0].body_source, post.body_source);
}

/// Writes a variant of a fixture for a hostile case.
fn variant(name: &str, make: impl FnOnce(Vec<u8>) -> Vec<u8>) -> PathBuf {
    let bytes = std::fs::read(fixture("themeunittestdata.wordpress.xml")).expect("fixture");
    let path = std::env::temp_dir().join(format!("{}-{name}.xml", dateline_testkit::unique_name("wxr")));
    std::fs::write(&path, make(bytes)).expect("write variant");
    path
}

pub async fn broken_and_hostile_files_change_nothing(db: Db) {
    let Some(test) = fresh_for_exports(db).await else { return };
    let store = test.store.as_ref() as &dyn Store;
    let head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
    let cases: Vec<(PathBuf, &str)> = vec![
        (fixture("wordpress-importer/malformed.xml"), "expected `</notachanneltag>`, but `</channel>` was found (line 90, column 1)"),
        (variant("truncated", |b| b[..b.len() / 2].to_vec()), "truncated"),
        (
            variant("latin1", |mut b| {
                let at = b.len() * 3 / 4;
                b.splice(at..at, [b'\xe9', b'\xe8']);
                b
            }),
            "not valid UTF-8",
        ),
        (
            variant("bomb", |b| {
                let bomb = format!(
                    "{head}<!DOCTYPE rss [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>"
                );
                let text = String::from_utf8(b).expect("utf8").replacen(head, &bomb, 1).replacen("<title>", "<title>&c;", 1);
                text.into_bytes()
            }),
            "DOCTYPE",
        ),
        (
            variant("xxe", |b| {
                let xxe = format!("{head}<!DOCTYPE rss [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>");
                String::from_utf8(b).expect("utf8").replacen(head, &xxe, 1).replacen("<title>", "<title>&xxe;", 1).into_bytes()
            }),
            "DOCTYPE",
        ),
        (
            variant("entity", |b| String::from_utf8(b).expect("utf8").replacen("</item>", "<x>&nope;</x></item>", 40).into_bytes()),
            "unknown entity &nope;",
        ),
        (variant("notwxr", |_| b"<html><body>not an export</body></html>".to_vec()), "not a WordPress export"),
    ];
    for (path, expect) in cases {
        let err = import_files(Some(store), std::slice::from_ref(&path), &ImportOptions::default(), &|_| {}).await.expect_err("must fail");
        let message = err.to_string();
        assert!(message.contains(expect), "{}: {message}", path.display());
        assert!(store.is_empty().await.expect("empty"), "{}: the store changed", path.display());
        assert!(store.terms(Taxonomy::Category).await.expect("terms").is_empty(), "{}: terms were kept", path.display());
        assert!(store.users().await.expect("users").is_empty(), "{}: authors were kept", path.display());
    }
}

pub async fn reimport_updates_instead_of_duplicating(db: Db) {
    let Some(test) = fresh_for_exports(db).await else { return };
    import(&test, "themeunittestdata.wordpress.xml", ImportOptions::default()).await.expect("first");
    let store = test.dyn_store();
    let first = (
        store.all_posts(PostKind::Post).await.expect("posts"),
        all_comments(store.as_ref()).await.len(),
        store.media().await.expect("media").len(),
    );
    import(&test, "themeunittestdata.wordpress.xml", ImportOptions::default()).await.expect("second");
    let second = (
        store.all_posts(PostKind::Post).await.expect("posts"),
        all_comments(store.as_ref()).await.len(),
        store.media().await.expect("media").len(),
    );
    assert_eq!(first.0.len(), second.0.len());
    assert_eq!(first.0.iter().map(|p| (p.id, &p.slug)).collect::<Vec<_>>(), second.0.iter().map(|p| (p.id, &p.slug)).collect::<Vec<_>>());
    assert_eq!((first.1, first.2), (second.1, second.2));
    let tags = store.terms(Taxonomy::Tag).await.expect("tags").len();
    import(&test, "themeunittestdata.wordpress.xml", ImportOptions::default()).await.expect("third");
    assert_eq!(store.terms(Taxonomy::Tag).await.expect("tags").len(), tags);
}

pub async fn dry_run_writes_nothing(db: Db) {
    let Some(test) = fresh_for_exports(db).await else { return };
    let report = import(&test, "themeunittestdata.wordpress.xml", ImportOptions { dry_run: true, ..ImportOptions::default() })
        .await
        .expect("dry run");
    assert!(report.dry_run);
    assert_eq!(report.get("post published"), 56);
    assert_eq!(report.get("comment approved") + report.get("comment pending"), 29);
    assert!(test.store.is_empty().await.expect("empty"));
    // Most of the export's dates are seven hours behind GMT: the report says so while this
    // site runs on UTC, and not once its zone matches.
    assert!(report.warnings.iter().any(|w| w.contains("clock ran at UTC-07:00")), "{:?}", report.warnings);
    let zone = jiff::tz::TimeZone::get("Etc/GMT+7").expect("zone");
    let matched = import(
        &test,
        "themeunittestdata.wordpress.xml",
        ImportOptions { dry_run: true, time_zone: Some(zone), ..ImportOptions::default() },
    )
    .await
    .expect("dry run");
    assert!(!matched.warnings.iter().any(|w| w.contains("clock ran")), "{:?}", matched.warnings);
}

/// Everything a reader or an editor could tell apart, in a stable order.
async fn dump(store: &dyn Store) -> Vec<String> {
    let mut lines = Vec::new();
    for kind in [PostKind::Post, PostKind::Page] {
        for p in store.all_posts(kind).await.expect("posts") {
            let mut terms: Vec<_> = p.categories.iter().chain(&p.tags).map(|t| t.slug.clone()).collect();
            terms.sort();
            lines.push(format!(
                "{} {} {:?} {} {} {} {} {} {:?} {:?} {:?} {:?} {:?} {:?} {}",
                p.id,
                p.kind,
                p.title,
                p.slug,
                p.status,
                p.published_at,
                p.author.login,
                p.sticky,
                p.discussion,
                p.password,
                p.excerpt,
                p.dek,
                p.parent_id,
                terms,
                p.body_html.len()
            ));
            let mut meta = store.meta("post", p.id).await.expect("meta");
            meta.sort();
            lines.push(format!("  meta {meta:?}"));
            let comments = store
                .list_comments(&CommentQuery { status: None, post: Some(p.id), page: 1, per_page: 10_000, ..CommentQuery::default() })
                .await
                .expect("comments")
                .items;
            for c in &comments {
                let parent = c.parent_id.and_then(|id| comments.iter().find(|o| o.id == id)).map(|o| o.body.clone());
                let account = match c.user_id {
                    Some(id) => store.user_by_id(id).await.expect("user").map(|u| u.login),
                    None => None,
                };
                lines.push(format!(
                    "  comment {:?} {} {} {} {:?} {:?} {:?} {account:?} {:?}",
                    c.author_name, c.kind, c.status, c.created_at, c.body, c.body_format, parent, c.status_before_trash
                ));
            }
        }
    }
    for t in store.terms(Taxonomy::Category).await.expect("terms") {
        lines.push(format!("category {} {} {:?}", t.slug, t.name, t.parent_id.is_some()));
    }
    for m in store.media().await.expect("media") {
        lines.push(format!("media {} {} {:?}", m.id, m.url, m.post_id));
    }
    lines.sort();
    lines
}

pub async fn export_then_import_gives_the_same_store(db: Db) {
    let Some(first) = fresh_for_exports(db).await else { return };
    import(&first, "themeunittestdata.wordpress.xml", ImportOptions::default()).await.expect("import");
    // A Dateline-written post with a source and Markdown comes along too.
    let defaults = dateline_core::input::InputDefaults { author: "Editor".into(), now: jiff::Timestamp::now() };
    let json = r#"{"title": "Clip", "dek": "A line.", "body": "Our *take*.", "source": {"reporter": "Ada", "outlet": "Ledger", "url": "https://example.com/s", "excerpt": ["Quoted."]}}"#;
    let native = dateline_core::input::parse_post_json(json, &defaults, &dateline_render::markdown_to_html).expect("post");
    let clip = first.store.create_post(native).await.expect("create");
    // An imported (HTML) post given a source in Dateline comes back without its article doubled.
    let imported = first.store.post_by_slug(PostKind::Post, "template-paginated").await.expect("read").expect("imported post");
    let mut write = PostWrite::from_post(&imported);
    write.dek = Some("Worth a look.".into());
    write.source = Some(Source { outlet: Some("Gazette".into()), url: Some("https://example.com/g".into()), ..Source::default() });
    first.store.save_post(Some(imported.id), write).await.expect("save");
    // A reply from the author's account, and a comment trashed from where it was shown.
    let editor = first.store.user_by_slug("editor").await.expect("read").expect("editor");
    let reply = NewComment {
        kind: CommentKind::Comment,
        author_name: Some("Editor".into()),
        author_email: None,
        author_url: None,
        author_ip: None,
        user_agent: None,
        body: "From the desk.".into(),
        body_format: dateline_core::BodyFormat::Markdown,
        status: CommentStatus::Approved,
        created_at: jiff::Timestamp::from_second(1_700_000_000).expect("time"),
        moderation_reason: None,
        spam_score: None,
        notify: false,
        user_id: Some(editor.id),
        parent_index: None,
    };
    first.store.create_comment(clip.id, None, reply.clone()).await.expect("reply");
    let binned =
        first.store.create_comment(clip.id, None, NewComment { body: "Binned.".into(), user_id: None, ..reply }).await.expect("comment");
    first.store.set_comment_status(binned.id, CommentStatus::Trash).await.expect("trash");

    let tz = jiff::tz::TimeZone::UTC;
    let permalink = |post: &Post| dateline_web::permalink(&tz, post);
    let web = state(&first).await;
    let renderer = dateline_web::ArticleRenderer::new(None).expect("theme");
    let categories = first.store.terms(Taxonomy::Category).await.expect("categories");
    let article = |post: &Post| renderer.article_html(&web.site(), post, &categories).expect("article");
    let site = dateline_wxr::export::ExportSite {
        title: "T",
        description: "D",
        base_url: "http://dateline.test",
        language: "en",
        time_zone: &tz,
        permalink: &permalink,
        article: &article,
    };
    let mut wxr = Vec::new();
    dateline_wxr::export::export(first.store.as_ref() as &dyn Store, &site, &mut wxr).await.expect("export");
    // WordPress, which knows nothing of link posts, gets the whole article as the content.
    let text = String::from_utf8_lossy(&wxr).into_owned();
    let clip_item = text.split("<item>").find(|item| item.contains("<title>Clip</title>")).expect("the clip's item");
    let content = clip_item.split("<content:encoded>").nth(1).and_then(|c| c.split("</content:encoded>").next()).expect("content");
    for part in ["<em>A line.</em>", "Ada reports via <a href=\"https://example.com/s\"", "<p>Quoted.</p>", "Our <em>take</em>."] {
        assert!(content.contains(part), "{part} in {content}");
    }
    let path = std::env::temp_dir().join(format!("{}.xml", dateline_testkit::unique_name("export")));
    std::fs::write(&path, &wxr).expect("write");

    let Some(second) = fresh_for_exports(db).await else { return };
    import_files(Some(second.store.as_ref() as &dyn Store), std::slice::from_ref(&path), &ImportOptions::default(), &|_| {})
        .await
        .expect("re-import");
    let (a, b) = (dump(first.store.as_ref()).await, dump(second.store.as_ref()).await);
    let differences: Vec<_> = a.iter().zip(&b).filter(|(x, y)| x != y).take(5).collect();
    assert_eq!(a.len(), b.len(), "{differences:?}");
    assert!(differences.is_empty(), "{differences:#?}");
    let clip = second.store.post_by_slug(PostKind::Post, "clip").await.expect("read").expect("clip");
    assert_eq!(clip.source.and_then(|s| s.reporter).as_deref(), Some("Ada"));
    assert_eq!(clip.body_source, "Our *take*.");
    let restored = all_comments(second.store.as_ref()).await.into_iter().find(|c| c.body == "Binned.").expect("binned comment");
    assert_eq!((restored.status, restored.restored_status()), (CommentStatus::Trash, CommentStatus::Approved));
    let _ = std::fs::remove_file(path);
}

pub async fn old_permalink_structures_keep_working(db: Db) {
    let Some(test) = fresh_for_exports(db).await else { return };
    let options = ImportOptions { permalinks: Some("/%category%/%postname%/".into()), ..ImportOptions::default() };
    import(&test, "wordpress-importer/valid-wxr-1.0.xml", options).await.expect("import");
    let app = app(&test).await;
    let (status, location, _) = get(&app, "/uncategorized/hello-world/", None).await;
    assert_eq!(status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(location, "/2010/10/20/hello-world/");
    assert_eq!(get(&app, &location, None).await.0, StatusCode::OK);
}

pub async fn password_protected_posts_ask_for_the_password(db: Db) {
    let Some(test) = fresh_for_exports(db).await else { return };
    import(&test, "themeunittestdata.wordpress.xml", ImportOptions::default()).await.expect("import");
    let app = app(&test).await;
    let path = "/2012/01/04/template-password-protected/";
    let (status, _, body) = get(&app, path, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("This content is password protected."), "{body}");
    assert!(body.contains("Protected: Template: Password Protected"));
    assert!(!body.contains("comment-list"));
    let rss = get(&app, "/feed/", None).await.2;
    assert!(!rss.contains("This is the post content") || rss.contains("password protected"));

    let page = app.clone().oneshot(Request::get(path).body(Body::empty()).expect("request")).await.expect("response");
    let html = String::from_utf8_lossy(&axum::body::to_bytes(page.into_body(), 8 << 20).await.expect("body")).into_owned();
    let id = html.split("name=\"post_id\" value=\"").nth(1).and_then(|r| r.split('"').next()).expect("id").to_string();
    // The form's script asks for the reader's token (and gets the cookie it is bound to).
    let answer = app
        .clone()
        .oneshot(Request::get(format!("/comments/token?post={id}")).body(Body::empty()).expect("request"))
        .await
        .expect("response");
    let csrf =
        answer.headers().get("set-cookie").and_then(|v| v.to_str().ok()).and_then(|v| v.split(';').next()).expect("cookie").to_string();
    let json = axum::body::to_bytes(answer.into_body(), 1 << 20).await.expect("body");
    let token = serde_json::from_slice::<serde_json::Value>(&json).expect("json")["token"].as_str().expect("token").to_string();
    let post = |password: &str| {
        Request::post("/post-password")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", csrf.clone())
            .body(Body::from(format!("post_id={id}&_token={token}&password={password}")))
            .expect("request")
    };
    let wrong = app.clone().oneshot(post("guess")).await.expect("response");
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    let right = app.clone().oneshot(post("enter")).await.expect("response");
    assert_eq!(right.status(), StatusCode::SEE_OTHER);
    let unlock = right
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .expect("unlock cookie")
        .to_string();
    let (_, _, body) = get(&app, path, Some(&unlock)).await;
    assert!(!body.contains("This content is password protected."), "unlocked");
}

pub async fn import_into_a_blog_that_already_has_posts(db: Db) {
    let Some(test) = fresh_for_exports(db).await else { return };
    let store = test.dyn_store();
    // 33 posts take ids 1–33 (as the demo content does). The export's post 34 comes before its
    // post 24, which clashes and must be numbered anew: not 34.
    let defaults = dateline_core::input::InputDefaults { author: "Editor".into(), now: jiff::Timestamp::now() };
    for n in 1..=33 {
        let json = format!(r#"{{"title": "Already here {n}", "body": "Words.", "published_at": "2020-01-01T00:00:00Z"}}"#);
        store
            .create_post(dateline_core::input::parse_post_json(&json, &defaults, &dateline_render::markdown_to_html).expect("post"))
            .await
            .expect("create");
    }
    import(&test, "themeunittestdata.wordpress.xml", ImportOptions::default()).await.expect("imports beside existing posts");
    let posts = store.all_posts(PostKind::Post).await.expect("posts");
    assert_eq!(posts.len(), 33 + 58);
    let mut ids: Vec<i64> = posts.iter().map(|p| p.id).collect();
    ids.extend(store.all_posts(PostKind::Page).await.expect("pages").iter().map(|p| p.id));
    let count = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), count, "every post has its own id");
    // And the store goes on numbering new posts after the import.
    let json = r#"{"title": "Written afterwards", "body": "Words."}"#;
    store
        .create_post(dateline_core::input::parse_post_json(json, &defaults, &dateline_render::markdown_to_html).expect("post"))
        .await
        .expect("create after import");
}

/// A small export written for this test: a gallery post whose images come after it in the
/// file (as WordPress lists attachments uploaded while writing), and one with none attached.
const LATE_ATTACHMENTS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
<title>Late</title><link>https://late.example</link><wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>https://late.example</wp:base_site_url>
<item><title>Pictures</title><link>https://late.example/2020/01/02/pictures/</link><dc:creator>ed</dc:creator>
<content:encoded><![CDATA[Before. [gallery columns="2"] After.]]></content:encoded>
<wp:post_id>10</wp:post_id><wp:post_date>2020-01-02 10:00:00</wp:post_date><wp:post_date_gmt>2020-01-02 10:00:00</wp:post_date_gmt>
<wp:post_name>pictures</wp:post_name><wp:status>publish</wp:status><wp:post_parent>0</wp:post_parent><wp:post_type>post</wp:post_type></item>
<item><title>Nothing attached</title><link>https://late.example/2020/01/03/empty/</link><dc:creator>ed</dc:creator>
<content:encoded><![CDATA[[gallery]]]></content:encoded>
<wp:post_id>11</wp:post_id><wp:post_date>2020-01-03 10:00:00</wp:post_date><wp:post_date_gmt>2020-01-03 10:00:00</wp:post_date_gmt>
<wp:post_name>empty</wp:post_name><wp:status>publish</wp:status><wp:post_parent>0</wp:post_parent><wp:post_type>post</wp:post_type></item>
<item><title>Named</title><link>https://late.example/2020/01/04/named/</link><dc:creator>ed</dc:creator>
<content:encoded><![CDATA[[gallery ids="13"]]]></content:encoded>
<wp:post_id>14</wp:post_id><wp:post_date>2020-01-04 10:00:00</wp:post_date><wp:post_date_gmt>2020-01-04 10:00:00</wp:post_date_gmt>
<wp:post_name>named</wp:post_name><wp:status>publish</wp:status><wp:post_parent>0</wp:post_parent><wp:post_type>post</wp:post_type></item>
<item><title>One</title><link>https://late.example/one/</link><wp:post_id>12</wp:post_id><wp:post_date>2020-01-02 10:00:00</wp:post_date><wp:post_date_gmt>2020-01-02 10:00:00</wp:post_date_gmt>
<wp:status>inherit</wp:status><wp:post_parent>10</wp:post_parent><wp:post_type>attachment</wp:post_type><wp:attachment_url>https://late.example/one.jpg</wp:attachment_url></item>
<item><title>Two</title><link>https://late.example/two/</link><wp:post_id>13</wp:post_id><wp:post_date>2020-01-02 10:00:00</wp:post_date><wp:post_date_gmt>2020-01-02 10:00:00</wp:post_date_gmt>
<wp:status>inherit</wp:status><wp:post_parent>10</wp:post_parent><wp:post_type>attachment</wp:post_type><wp:attachment_url>https://late.example/two.jpg</wp:attachment_url></item>
</channel>
</rss>
"#;

pub async fn galleries_find_images_attached_later_in_the_file(db: Db) {
    let Some(test) = fresh_for_exports(db).await else { return };
    let path = std::env::temp_dir().join(format!("{}.xml", dateline_testkit::unique_name("late")));
    std::fs::write(&path, LATE_ATTACHMENTS).expect("write");
    let report = import_files(Some(test.store.as_ref() as &dyn Store), std::slice::from_ref(&path), &ImportOptions::default(), &|_| {})
        .await
        .expect("import");
    let _ = std::fs::remove_file(&path);
    let pictures = test.store.post_by_slug(PostKind::Post, "pictures").await.expect("read").expect("pictures");
    assert!(
        pictures.body_html.contains(r#"<img src="https://late.example/one.jpg""#)
            && pictures.body_html.contains(r#"<img src="https://late.example/two.jpg""#),
        "{}",
        pictures.body_html
    );
    assert!(pictures.body_html.contains("Before.") && pictures.body_html.contains("After."), "{}", pictures.body_html);
    // A gallery naming its images by id finds them too, though they come after it.
    let named = test.store.post_by_slug(PostKind::Post, "named").await.expect("read").expect("named");
    assert!(named.body_html.contains(r#"<img src="https://late.example/two.jpg""#), "{}", named.body_html);
    let warned: Vec<_> = report.warnings.iter().filter(|w| w.contains("[gallery]")).collect();
    assert_eq!(warned.len(), 1, "{:?}", report.warnings);
    assert!(warned[0].contains(": 1 [gallery] shortcodes name no images"), "{}", warned[0]);
}

/// The attribution an import carries (Dateline's `_dateline_source` meta) fills outlets and
/// reporters as any other write does (issue 10): the store's one post writer links them.
pub async fn imported_attribution_fills_outlets_and_reporters(db: Db) {
    let Some(test) = fresh_for_exports(db).await else { return };
    let meta = |source: &str| {
        format!(
            "<wp:postmeta><wp:meta_key><![CDATA[_dateline_source]]></wp:meta_key><wp:meta_value><![CDATA[{source}]]></wp:meta_value></wp:postmeta>"
        )
    };
    let path = variant("attribution", |bytes| {
        let text = String::from_utf8(bytes).expect("utf8");
        let first = meta(
            r#"{"reporter": "Nora Gámez Torres y Mario Pentón", "outlet": "The Miami Herald", "url": "https://www.miamiherald.com/a"}"#,
        );
        let second = meta(r#"{"reporter": "Nora Gamez Torres", "outlet": "Miami Herald", "url": "https://miamiherald.com/b"}"#);
        text.replacen("<title>Template: Paginated</title>", &format!("<title>Template: Paginated</title>{first}"), 1)
            .replacen("<title>Template: Excerpt (Defined)</title>", &format!("<title>Template: Excerpt (Defined)</title>{second}"), 1)
            .into_bytes()
    });
    let store = test.store.as_ref() as &dyn Store;
    import_files(Some(store), std::slice::from_ref(&path), &ImportOptions::default(), &|_| {}).await.expect("import");
    let now = jiff::Timestamp::now();
    let outlets = store.bylines(BylineKind::Outlet, now).await.expect("outlets");
    let outlets: Vec<_> = outlets.iter().map(|b| (b.name.as_str(), b.slug.as_str(), b.posts, b.domains.clone())).collect();
    assert_eq!(outlets, [("Miami Herald", "miami-herald", 2, vec!["miamiherald.com".to_string()])]);
    let reporters = store.bylines(BylineKind::Reporter, now).await.expect("reporters");
    let reporters: Vec<_> = reporters.iter().map(|b| (b.name.as_str(), b.posts)).collect();
    // (Named as first met in the file: "Template: Excerpt (Defined)" comes first.)
    assert_eq!(reporters, [("Mario Pentón", 1), ("Nora Gamez Torres", 2)]);
    let paginated = store.post_by_slug(PostKind::Post, "template-paginated").await.expect("read").expect("post");
    assert_eq!(paginated.reporters.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["Nora Gamez Torres", "Mario Pentón"]);
    let _ = std::fs::remove_file(path);
}
