//! Readers' search over HTTP: the results page (best match first, snippets with the words
//! found marked and escaped, pages), WordPress's addresses for it (`/?s=`, `/search/words/`,
//! their pages and feed), the search page without words, and the API's `search=` and
//! `/wp/v2/search`. The finding itself is the store's (see the store's search suite).

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::*;
use dateline_testkit::Db;

/// Four ferry posts (three by title, one by its body), a draft and a protected post that
/// say the same words, two posts to a page.
async fn ferry_blog(db: Db) -> Option<TestApp> {
    let app = TestApp::builder(db).config(|c| c.site.posts_per_page = 2).build().await?;
    for n in 1..=3 {
        app.post(&post_json(&format!("Ferry story {n}"), &format!("2024-03-0{n}T12:00:00Z"), json!({"body": "About the harbor ferry."})))
            .await;
    }
    app.post(&post_json(
        "Díaz-Canel visits the port",
        "2024-03-04T12:00:00Z",
        json!({"body": "He spoke of the ferry, Fish & \\<chips\\> and all. The president Díaz-Canel then left.", "tags": ["Cuba"]}),
    ))
    .await;
    app.post(&post_json("Ferry draft", "2024-03-05T12:00:00Z", json!({"status": "draft"}))).await;
    let locked = app.post(&post_json("Locked", "2024-03-06T12:00:00Z", json!({"body": "secret ferry plans"}))).await;
    let store = app.test_store.dyn_store();
    let mut write = dateline_core::PostWrite::from_post(&locked);
    write.password = Some("pw".into());
    store.save_post(Some(locked.id), write).await.expect("protect");
    app.written_behind_the_server();
    Some(app)
}

pub async fn results_are_ranked_marked_and_paged(db: Db) {
    let Some(app) = ferry_blog(db).await else { return };
    let first = app.get("/?s=ferry").await;
    assert_eq!(first.status, StatusCode::OK);
    let html = first.html();
    assert_eq!(text(&html, "h1.archive-title"), "Search results for “ferry”");
    assert_eq!(text(&html, ".search-count"), "4 results", "no drafts, no protected posts");
    assert_eq!(texts(&html, ".search-result h2"), ["Ferry story 3", "Ferry story 2"], "title matches first, newest of equals first");
    assert_eq!(attr(&html, "a.older", "href"), "/page/2/?s=ferry");
    assert_eq!(attr(&html, "meta[name=robots]", "content"), "noindex");
    assert_eq!(attr(&html, "#site-search", "value"), "ferry");
    assert_eq!(texts(&html, ".search-snippet mark"), ["ferry", "ferry"]);
    let second = app.get("/page/2/?s=ferry").await.html();
    assert_eq!(texts(&second, ".search-result h2"), ["Ferry story 1", "Díaz-Canel visits the port"]);
    assert_eq!(attr(&second, "a.newer", "href"), "/?s=ferry");

    let by_date = app.get("/?s=ferry&orderby=date").await.html();
    assert_eq!(texts(&by_date, ".search-result h2"), ["Díaz-Canel visits the port", "Ferry story 3"]);
    assert_eq!(attr(&by_date, "a.older", "href"), "/page/2/?s=ferry&orderby=date");

    // Accents and hyphens as people type them; the words found are marked in their sentence.
    for typed in ["diaz+canel", "Diaz-Canel", "D%C3%8DAZ", "%22diaz+canel%22"] {
        let found = app.get(&format!("/?s={typed}")).await.html();
        assert_eq!(texts(&found, ".search-result h2"), ["Díaz-Canel visits the port"], "{typed}");
    }
    let marked = app.get("/?s=diaz+canel").await.html();
    assert_eq!(texts(&marked, ".search-snippet mark"), ["Díaz", "Canel"]);

    // The post's own text is shown as text: what looked like a tag stays letters.
    let chips = app.get("/?s=chips").await;
    let chips_html = chips.html();
    assert_eq!(texts(&chips_html, ".search-snippet mark"), ["chips"]);
    assert!(texts(&chips_html, ".search-snippet")[0].contains("Fish & <chips> and all"), "{}", chips.body);
    assert!(!chips.body.contains("<chips>"), "escaped, never raw HTML");

    // Nothing typed, or nothing searchable: the search page with a hint, not the home page.
    for empty in ["/?s=", "/?s=***", "/search/", "/?s=+-+"] {
        let page = app.get(empty).await;
        assert_eq!(page.status, StatusCode::OK, "{empty}");
        let page = page.html();
        assert_eq!(text(&page, "h1.archive-title"), "Search", "{empty}");
        assert_eq!(texts(&page, ".search-hint").len(), 1, "{empty}");
        assert!(texts(&page, ".search-result").is_empty(), "{empty}");
    }
    let none = app.get("/?s=%3Cscript%3Exyzzy").await.html();
    assert_eq!(text(&none, ".empty"), "Nothing matches “<script>xyzzy”. Try fewer or other words.");
    assert_eq!(text(&none, ".search-count"), "0 results");
    for odd in ["/?s=%22unclosed", "/?s=a+OR+NEAR(x", "/?s=%27%3B+DROP+TABLE+posts%3B+--", "/?s=ferry*+-story"] {
        assert_eq!(app.get(odd).await.status, StatusCode::OK, "{odd}");
    }
    assert_eq!(texts(&app.get("/?s=ferr*+-story").await.html(), ".search-result h2"), ["Díaz-Canel visits the port"]);
    assert_eq!(app.get("/page/9/?s=ferry").await.status, StatusCode::NOT_FOUND);
}

pub async fn wordpress_search_addresses_and_feed(db: Db) {
    let Some(app) = ferry_blog(db).await else { return };
    let pretty = app.get("/search/ferry/").await.html();
    assert_eq!(texts(&pretty, ".search-result h2"), ["Ferry story 3", "Ferry story 2"]);
    assert_eq!(attr(&pretty, "a.older", "href"), "/search/ferry/page/2/");
    assert_eq!(attr(&pretty, "link[href$='/search/ferry/feed/']", "type"), "application/rss+xml", "the results' feed is announced");
    let second = app.get("/search/ferry/page/2/").await.html();
    assert_eq!(texts(&second, ".search-result h2"), ["Ferry story 1", "Díaz-Canel visits the port"]);
    assert_eq!(attr(&second, "a.newer", "href"), "/search/ferry/");
    assert_eq!(texts(&app.get("/search/d%C3%ADaz+canel/").await.html(), ".search-result h2"), ["Díaz-Canel visits the port"]);
    assert_eq!(app.get("/search/ferry/page/1/").await.header("location"), "/search/ferry/");
    assert_eq!(app.get("/search/ferry").await.header("location"), "/search/ferry/");

    let feed = app.get("/search/ferry/feed/").await;
    assert_eq!(feed.status, StatusCode::OK);
    assert!(feed.header("content-type").starts_with("application/rss+xml"), "{}", feed.header("content-type"));
    let titles: Vec<&str> = feed.body.split("<title>").skip(2).map(|t| t.split("</title>").next().unwrap_or("")).collect();
    assert_eq!(titles, ["Díaz-Canel visits the port", "Ferry story 3"], "newest first, a page's worth");
    assert!(feed.body.contains("Search results for “ferry”"), "{}", feed.body);
    assert!(!feed.body.contains("Locked") && !feed.body.contains("Ferry draft"));
}

fn titles(answer: &TestResponse) -> Vec<String> {
    let items: Vec<Value> = serde_json::from_str(&answer.body).expect("json list");
    items.iter().map(|item| item["title"]["rendered"].as_str().or(item["title"].as_str()).unwrap_or_default().to_string()).collect()
}

pub async fn the_api_searches_with_the_same_engine(db: Db) {
    let Some(app) = ferry_blog(db).await else { return };
    app.post(&post_json("About Gámez", "2024-01-01T00:00:00Z", json!({"kind": "page", "body": "Who we are."}))).await;

    let posts = app.get("/wp-json/wp/v2/posts?search=diaz%20canel").await;
    assert_eq!((posts.status, posts.header("x-wp-total")), (StatusCode::OK, "1"));
    assert_eq!(titles(&posts), ["Díaz-Canel visits the port"]);
    let ranked = app.get("/wp-json/wp/v2/posts?search=ferry&per_page=2").await;
    assert_eq!((titles(&ranked), ranked.header("x-wp-total")), (vec!["Ferry story 3".to_string(), "Ferry story 2".to_string()], "4"));
    let by_date = app.get("/wp-json/wp/v2/posts?search=ferry&per_page=1&orderby=date").await;
    assert_eq!(titles(&by_date), ["Díaz-Canel visits the port"]);
    assert_eq!(app.get("/wp-json/wp/v2/posts?orderby=relevance").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(titles(&app.get("/wp-json/wp/v2/pages?search=GAMEZ").await), ["About Gámez"]);
    assert_eq!(app.get("/wp-json/wp/v2/posts?search=secret").await.header("x-wp-total"), "0", "nothing behind a password");

    let any = app.get("/wp-json/wp/v2/search?search=gamez").await;
    assert_eq!(any.status, StatusCode::OK, "{}", any.body);
    let items: Vec<Value> = serde_json::from_str(&any.body).expect("json");
    assert_eq!(items.len(), 1);
    assert_eq!(
        (items[0]["title"].as_str(), items[0]["type"].as_str(), items[0]["subtype"].as_str()),
        (Some("About Gámez"), Some("post"), Some("page"))
    );
    assert!(items[0]["url"].as_str().unwrap_or_default().ends_with("/about-gamez/"), "{}", items[0]);
    let ferries = app.get("/wp-json/wp/v2/search?search=ferry&subtype=post&per_page=3").await;
    assert_eq!(ferries.header("x-wp-total"), "4");
    let ferries: Vec<Value> = serde_json::from_str(&ferries.body).expect("json");
    assert_eq!(
        ferries.iter().map(|i| i["title"].as_str().unwrap_or_default()).collect::<Vec<_>>(),
        ["Ferry story 3", "Ferry story 2", "Ferry story 1"]
    );
    let terms: Vec<Value> = serde_json::from_str(&app.get("/wp-json/wp/v2/search?search=CUBA&type=term").await.body).expect("json");
    assert_eq!((terms[0]["title"].as_str(), terms[0]["subtype"].as_str()), (Some("Cuba"), Some("post_tag")));
    assert_eq!(app.get("/wp-json/wp/v2/search?type=user").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        app.get("/wp-json/wp/v2/search?search=x&unknown=1").await.status,
        StatusCode::BAD_REQUEST,
        "as every route: no silent parameters"
    );
}

pub async fn moderators_search_the_queue_and_readers_the_discussion(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let input = dateline_core::input::InputDefaults { author: "Editor".into(), now: jiff::Timestamp::now() };
    let mut post = dateline_core::input::parse_post_json(
        &post_json("Thread", "2024-05-01T00:00:00Z", json!({})),
        &input,
        &dateline_render::markdown_to_html,
    )
    .expect("post");
    use dateline_core::CommentStatus::{Approved, Pending};
    post.comments = vec![
        dateline_testkit::reader_comment("José Martí", "jose@spam.example", "Cheap watches at my site", Pending),
        dateline_testkit::reader_comment("Ana", "ana@mail.example", "The blackout in Matanzas lasted all night.", Pending),
        dateline_testkit::reader_comment("Ana", "ana@mail.example", "Power is back in Cárdenas.", Approved),
    ];
    app.test_store.dyn_store().create_post(post).await.expect("create");
    app.written_behind_the_server();
    app.user("boss", dateline_core::Role::Administrator, "a long enough password").await;
    let cookie = app.login("boss", "a long enough password").await.expect("login");

    let queue = app.get_as("/admin/comments?status=pending&s=jose+marti", &cookie).await.html();
    assert_eq!(texts(&queue, "tbody tr").len(), 1);
    assert!(text(&queue, "tbody tr").contains("Cheap watches"));
    assert_eq!(attr(&queue, "#comment-search", "value"), "jose marti");
    assert_eq!(text(&queue, ".search-summary"), "1 pending comment match “jose marti”.");
    let by_address = app.get_as("/admin/comments?status=pending&s=ana%40mail.example", &cookie).await.html();
    assert!(text(&by_address, "tbody tr").contains("Matanzas"), "by address, in the status shown");
    let none = app.get_as("/admin/comments?status=pending&s=zzz", &cookie).await.html();
    assert_eq!(text(&none, ".empty"), "No pending comments match “zzz”.");

    // Readers find approved comments by their words and names, never by an address.
    let found: Vec<Value> = serde_json::from_str(&app.get("/wp-json/wp/v2/comments?search=cardenas").await.body).expect("json");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["author_name"].as_str(), Some("Ana"));
    assert_eq!(app.get("/wp-json/wp/v2/comments?search=mail.example").await.header("x-wp-total"), "0");
    assert_eq!(app.get("/wp-json/wp/v2/comments?search=matanzas").await.header("x-wp-total"), "0", "held comments stay held");
}
