//! Hostile and odd exports made here (no fixture needed): each is refused with a clear message
//! and changes nothing, or imports in linear time with what it holds reported per item.

use std::path::PathBuf;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use dateline_core::*;
use dateline_testkit::{Db, fresh, unique_name};
use dateline_wxr::{ImportOptions, import_files};
use tower::ServiceExt;

/// Writes `bytes` to a new file in the temporary directory.
fn file(bytes: &[u8]) -> PathBuf {
    let path = std::env::temp_dir().join(format!("{}.xml", unique_name("wxr_hostile")));
    std::fs::write(&path, bytes).expect("write export");
    path
}

const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Old blog</title><link>https://old.example</link><wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>https://old.example</wp:base_site_url>
"#;

/// An item with the given id, content and extra elements (comments, meta).
fn item(id: i64, title: &str, content: &str, extra: &str) -> String {
    format!(
        "<item><title>{title}</title><link>https://old.example/?p={id}</link><dc:creator>admin</dc:creator><content:encoded><![CDATA[{content}]]></content:encoded>\
         <wp:post_id>{id}</wp:post_id><wp:post_date>2020-01-01 10:00:00</wp:post_date><wp:post_date_gmt>2020-01-01 10:00:00</wp:post_date_gmt>\
         <wp:comment_status>open</wp:comment_status><wp:post_name>{}</wp:post_name><wp:status>publish</wp:status><wp:post_type>post</wp:post_type>{extra}</item>",
        slug::slugify(title)
    )
}

fn comment(id: i64, parent: i64, text: &str) -> String {
    format!(
        "<wp:comment><wp:comment_id>{id}</wp:comment_id><wp:comment_author>Reader {id}</wp:comment_author><wp:comment_date_gmt>2020-01-02 10:00:00</wp:comment_date_gmt>\
         <wp:comment_content><![CDATA[{text}]]></wp:comment_content><wp:comment_approved>1</wp:comment_approved><wp:comment_parent>{parent}</wp:comment_parent></wp:comment>"
    )
}

fn meta(key: &str, value: &str) -> String {
    format!("<wp:postmeta><wp:meta_key>{key}</wp:meta_key><wp:meta_value><![CDATA[{value}]]></wp:meta_value></wp:postmeta>")
}

fn export(items: &[String]) -> Vec<u8> {
    format!("{HEAD}{}</channel></rss>", items.join("\n")).into_bytes()
}

pub async fn feeds_wide_text_and_deep_xml_are_refused_plainly(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.store.as_ref() as &dyn Store;
    let rss = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>News</title><link>https://news.example</link>\
               <item><title>A story</title><link>https://news.example/a</link><description>Text</description></item></channel></rss>";
    let utf16: Vec<u8> = std::iter::once([0xFF, 0xFE])
        .flatten()
        .chain(String::from_utf8(export(&[item(1, "Hello", "x", "")])).expect("utf8").encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let utf16_without_bom: Vec<u8> =
        "<?xml version=\"1.0\" encoding=\"UTF-16\"?><rss/>".encode_utf16().flat_map(u16::to_be_bytes).collect();
    let deep = format!("{HEAD}<item>{}</item></channel></rss>", "<x>".repeat(5_000));
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (rss.as_bytes().to_vec(), "this is not a WordPress export: it has no WordPress export namespace"),
        (utf16, "the file is UTF-16LE; WordPress exports are UTF-8"),
        (utf16_without_bom, "the file is UTF-16BE"),
        (deep.into_bytes(), "elements nest more than 32 deep"),
    ];
    for (bytes, expected) in cases {
        let path = file(&bytes);
        let message = import_files(Some(store), std::slice::from_ref(&path), &ImportOptions::default(), &|_| {})
            .await
            .expect_err("refused")
            .to_string();
        assert!(message.contains(expected), "{message}");
        assert!(!message.chars().any(|c| c.is_control()), "the message is printable: {message:?}");
        if expected.contains("not a WordPress export") {
            assert!(!message.contains("(line "), "a refusal of the whole file names no position: {message}");
        }
        assert!(store.is_empty().await.expect("empty"), "{expected}: nothing is written");
        let _ = std::fs::remove_file(path);
    }
}

pub async fn reply_loops_are_broken_at_import_and_replies_to_them_end(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.store.as_ref() as &dyn Store;
    // 1 answers 3, 3 answers 2, 2 answers 1: a loop; 4 answers itself; 5 answers 2.
    let comments =
        [comment(1, 3, "one"), comment(2, 1, "two"), comment(3, 2, "three"), comment(4, 4, "four"), comment(5, 2, "five")].concat();
    let path = file(&export(&[item(10, "Looped thread", "<p>Body</p>", &comments)]));
    let report = import_files(Some(store), std::slice::from_ref(&path), &ImportOptions::default(), &|_| {}).await.expect("imports");
    assert!(report.warnings.iter().any(|w| w.contains("“Looped thread” (WordPress id 10): 2 comments answered their own reply chain (a loop): comments 2, 4 now shown at the top level")), "{:?}", report.warnings);
    let post = store.post_by_slug(PostKind::Post, "looped-thread").await.expect("read").expect("post");
    let stored = store.comments_for_post(post.id, CommentStatus::Approved).await.expect("comments");
    assert_eq!(stored.len(), 5, "every comment is kept");
    // Every chain now reaches a top-level comment.
    for comment in &stored {
        let mut parent = comment.parent_id;
        let mut steps = 0;
        while let Some(id) = parent {
            steps += 1;
            assert!(steps < 10, "comment {} still loops", comment.id);
            parent = stored.iter().find(|c| c.id == id).and_then(|c| c.parent_id);
        }
    }
    // The page shows them all, and a reply to one of them is answered.
    let state = {
        let mut config = Config::for_test();
        config.discussion.min_submit_seconds = 0;
        dateline_web::AppState::new(
            test.dyn_store(),
            dateline_web::WebOptions { config, fallback_base_url: "http://dateline.test".into(), theme_dir: None, mailer: None },
        )
        .await
        .expect("state")
    };
    let app = dateline_web::app(state);
    let page =
        app.clone().oneshot(Request::get("/2020/01/01/looped-thread/").body(Body::empty()).expect("request")).await.expect("response");
    assert_eq!(page.status(), StatusCode::OK);
    let html = String::from_utf8_lossy(&axum::body::to_bytes(page.into_body(), 1 << 20).await.expect("body")).into_owned();
    for text in ["one", "two", "three", "four", "five"] {
        assert!(html.contains(&format!("<p>{text}</p>")), "{text} is shown");
    }
    // The form's script asks for the reader's token (and gets the cookie it is bound to).
    let answer = app
        .clone()
        .oneshot(Request::get(format!("/comments/token?post={}", post.id)).body(Body::empty()).expect("request"))
        .await
        .expect("response");
    let cookie = answer.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or("").split(';').next().unwrap_or("").to_string();
    let json = axum::body::to_bytes(answer.into_body(), 1 << 20).await.expect("body");
    let token = serde_json::from_slice::<serde_json::Value>(&json).expect("json")["token"].as_str().expect("token").to_string();
    let replied_to = stored.iter().find(|c| c.body == "three").expect("three").id;
    let form = format!(
        "comment_post_ID={}&_token={token}&author=Dora&email=dora%40example.org&comment=into+the+old+loop&comment_parent={replied_to}",
        post.id
    );
    let request = Request::post("/comments")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", cookie)
        .body(Body::from(form))
        .expect("request");
    let answer =
        tokio::time::timeout(std::time::Duration::from_secs(10), app.oneshot(request)).await.expect("answered in time").expect("response");
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    let _ = std::fs::remove_file(path);
}

pub async fn hostile_content_imports_in_linear_time_and_is_reported_per_item(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.store.as_ref() as &dyn Store;
    let deep_html = "<div>".repeat(100_000) + "bottom of the divs" + &"</div>".repeat(100_000);
    let deep_markdown = ">".repeat(100_000) + " bottom of the quotes";
    let huge = "x".repeat(9 * 1024 * 1024);
    let items = [
        item(1, "Deep divs", &deep_html, ""),
        item(2, "Deep quotes", "ignored", &meta("_dateline_markdown", &deep_markdown)),
        item(3, "Huge field", &huge, ""),
        item(
            4,
            "Scripted source",
            "<p>Body</p>",
            &meta("_dateline_source", r#"{"outlet":"Wire","url":"javascript:alert(document.cookie)","headline":"Kept headline"}"#),
        ),
        item(5, "Ordinary", "<p>Fine</p>", ""),
    ];
    let path = file(&export(&items));
    let started = std::time::Instant::now();
    let report = import_files(Some(store), std::slice::from_ref(&path), &ImportOptions::default(), &|_| {}).await.expect("imports");
    // (Minutes before nesting was bounded; generous for a slow debug build.)
    assert!(started.elapsed() < std::time::Duration::from_secs(60), "{:?}", started.elapsed());
    let said = |needle: &str| report.warnings.iter().chain(report.skipped.keys()).any(|w| w.contains(needle));
    assert!(said("“Deep divs” (WordPress id 1): its markup nests more than 100 levels deep"), "{report}");
    assert!(said("“Deep quotes” (WordPress id 2): its markup nests more than 100 levels deep"), "{report}");
    assert!(said("“Huge field” (WordPress id 3): content:encoded is 9.0 MB, over the 8 MB a field may hold"), "{report}");
    assert!(said("“Scripted source” (WordPress id 4): source link dropped"), "{report}");
    let posts = store.all_posts(PostKind::Post).await.expect("posts");
    let titles: Vec<&str> = posts.iter().map(|p| p.title.as_str()).collect();
    assert!(!titles.contains(&"Huge field"), "{titles:?}");
    for post in &posts {
        assert!(
            post.body_html.matches("<div").count() <= dateline_render::MAX_NESTING
                && post.body_html.matches("<blockquote").count() <= dateline_render::MAX_NESTING
        );
    }
    let divs = posts.iter().find(|p| p.title == "Deep divs").expect("deep divs");
    assert!(divs.body_html.contains("bottom of the divs"));
    let scripted = posts.iter().find(|p| p.title == "Scripted source").expect("scripted");
    let source = scripted.source.as_ref().expect("the rest of the attribution is kept");
    assert_eq!((source.url.as_deref(), source.headline.as_deref()), (None, Some("Kept headline")));
    let _ = std::fs::remove_file(path);
}

/// A thread longer than the store's batch of comments (200 a statement): replies whose parent
/// is in an earlier batch or a later one, a comment listed twice (in one batch and across
/// two), metadata, another post's comments sharing a batch; then the same file changed,
/// imported again.
pub async fn long_threads_cross_batches_and_import_again_in_place(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.store.as_ref() as &dyn Store;
    // Comment 1 answers 430 (later in the file); every third answers the comment 150 before
    // it (two batches back for some); every third after 1 the one just before it.
    let parent = |k: i64, version: &str| match k {
        1 => 430,
        3 if version == "second" => 400,
        k if k % 3 == 0 && k > 150 => k - 150,
        k if k % 3 == 1 => k - 1,
        _ => 0,
    };
    let export_of = |version: &str| {
        let mut long = String::new();
        for k in 1..=450 {
            let mut one = comment(k, parent(k, version), &format!("note{k} {version}"));
            if k % 50 == 0 {
                let meta = "<wp:commentmeta><wp:meta_key>rating</wp:meta_key><wp:meta_value>high</wp:meta_value></wp:commentmeta>";
                one = one.replace("</wp:comment>", &format!("{meta}</wp:comment>"));
            }
            long += &one;
            if k == 302 {
                long += &comment(302, 0, &format!("note302 {version} again"));
            }
        }
        long += &comment(5, 0, &format!("note5 {version} again"));
        let short: String = (451..=460).map(|k| comment(k, 0, &format!("note{k} {version}"))).collect();
        file(&export(&[item(10, "Long thread", "<p>Body</p>", &long), item(11, "Short thread", "<p>Body</p>", &short)]))
    };
    let search = async |words: &str| {
        let query =
            CommentQuery { search: Some(words.into()), search_addresses: true, page: 1, per_page: 1_000, ..CommentQuery::default() };
        store.list_comments(&query).await.expect("search").items.into_iter().map(|c| c.body).collect::<Vec<_>>()
    };
    let mut ids_before = None;
    for version in ["first", "second"] {
        let path = export_of(version);
        import_files(Some(store), std::slice::from_ref(&path), &ImportOptions::default(), &|_| {}).await.expect("imports");
        let long = store.post_by_slug(PostKind::Post, "long-thread").await.expect("read").expect("post");
        let short = store.post_by_slug(PostKind::Post, "short-thread").await.expect("read").expect("post");
        let stored = store.comments_for_post(long.id, CommentStatus::Approved).await.expect("comments");
        assert_eq!(stored.len(), 450, "one comment per key, however often it is listed");
        assert_eq!(store.comments_for_post(short.id, CommentStatus::Approved).await.expect("comments").len(), 10);
        // Each comment by its number (the first word of its text).
        let number =
            |c: &Comment| c.body.split_whitespace().next().and_then(|w| w.strip_prefix("note")).and_then(|n| n.parse::<i64>().ok());
        let by_number: std::collections::HashMap<i64, &Comment> = stored.iter().filter_map(|c| Some((number(c)?, c))).collect();
        for k in 1..=450 {
            let c = by_number[&k];
            let text = if k == 5 || k == 302 { format!("note{k} {version} again") } else { format!("note{k} {version}") };
            assert_eq!(c.body, text, "the last listing of a comment wins");
            let wanted = if k == 5 || k == 302 { 0 } else { parent(k, version) };
            assert_eq!(c.parent_id, (wanted > 0).then(|| by_number[&wanted].id), "comment {k}'s parent ({version} import)");
            let meta = store.meta("comment", c.id).await.expect("meta");
            assert_eq!(meta, if k % 50 == 0 { vec![("rating".to_string(), "high".to_string())] } else { vec![] }, "comment {k}'s metadata");
        }
        // Indexed once each, with the text stored last.
        assert_eq!(search("note5 again").await, [format!("note5 {version} again")]);
        assert_eq!(search(version).await.len(), 460);
        let ids: Vec<(i64, CommentId)> =
            by_number.iter().map(|(k, c)| (*k, c.id)).collect::<std::collections::BTreeMap<_, _>>().into_iter().collect();
        match &ids_before {
            None => ids_before = Some(ids),
            Some(before) => assert_eq!(&ids, before, "imported again, every comment keeps its id"),
        }
        let _ = std::fs::remove_file(path);
    }
    assert!(search("first").await.is_empty(), "the first import's words are gone");
}
